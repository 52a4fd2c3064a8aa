"""CSV files that open cleanly in spreadsheets: a UTF-8 byte-order mark first (Excel then reads
accents right), and text that a spreadsheet would run as a formula kept as text."""

BOM = "\ufeff"
# Spreadsheets run cells that start with these as formulas; a leading quote keeps them text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def plain_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_cell(value) -> str:
    text = plain_text(value)
    return f"'{text}" if isinstance(value, str) and text.startswith(FORMULA_START) else text


class Echo:
    """A file-like object whose ``write`` hands the line back, for streaming ``csv.writer`` rows."""

    def write(self, value: str) -> str:
        return value
