from django import template

from legal.cells import moment

register = template.Library()


@register.filter(name="moment")
def moment_filter(value):
    """An ISO moment from a report row, to the second in the user's zone."""
    return moment(value)
