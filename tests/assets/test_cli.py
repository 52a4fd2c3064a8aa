"""`manage.py ingest`: files and folders on the server, only below ASSET_INGEST_ROOTS."""

import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from assets.models import Asset
from assets.synthetic import make_still
from studio.models import AuditEvent


@pytest.fixture
def cards(tmp_path, settings):
    """The one allowed ingest root, as the settings hold it (resolved)."""
    root = (tmp_path / "cards").resolve()
    root.mkdir()
    settings.ASSET_INGEST_ROOTS = [root]
    return root


@pytest.fixture
def card(cards, clip, still, png):
    """A camera card: a clip at the top, stills two folders down."""
    folder = cards / "A001"
    (folder / "STILLS" / "DAY1").mkdir(parents=True)
    shutil.copy(clip, folder / "A001C001.mp4")
    shutil.copy(still, folder / "STILLS" / "ref.jpg")
    shutil.copy(png, folder / "STILLS" / "DAY1" / "board.png")
    return folder


@pytest.fixture
def outside(tmp_path, still):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(still, folder / "private.jpg")
    return folder


def ingest(*paths, production="ALPHA", **options):
    out = io.StringIO()
    call_command(
        "ingest", *map(str, paths), production=production, no_progress=True, stdout=out, **options
    )
    return out.getvalue()


def test_a_folder_is_ingested_recursively(production, card, dirs):
    ingest(card)

    names = sorted(Asset.objects.values_list("original_filename", flat=True))
    assert names == ["A001C001.mp4", "board.png", "ref.jpg"]
    assert set(Asset.objects.values_list("production__code", flat=True)) == {"ALPHA"}
    assert len(dirs.originals()) == 3
    assert dirs.spooled() == []


def test_the_operator_is_the_audited_actor(production, card):
    ingest(card / "A001C001.mp4", origin="camera_original")

    asset = Asset.objects.get()
    event = AuditEvent.objects.get()
    assert (asset.origin, event.action, event.actor_type) == (
        "camera_original",
        "assets.asset.ingested",
        "system",
    )
    assert event.actor_name.startswith("system:cli:")
    assert asset.ingested_by == event.actor_name


def test_running_twice_finds_everything_already_present(production, card):
    ingest(card)

    ingest(card)

    assert Asset.objects.count() == 3
    assert AuditEvent.objects.filter(action="assets.asset.ingest_duplicate").count() == 3


def test_a_named_user_must_be_allowed_to_write(production, member, card):
    viewer = member("viewer", production)

    with pytest.raises(CommandError, match="3 of 3"):
        ingest(card, user=viewer.username)

    assert not Asset.objects.exists()


def test_a_path_outside_the_roots_is_refused(production, cards, outside, dirs):
    with pytest.raises(CommandError, match="outside the allowed ingest folders"):
        ingest(outside / "private.jpg")

    assert not Asset.objects.exists()
    assert dirs.originals() == []


def test_a_dotdot_path_that_leaves_the_roots_is_refused(production, cards, outside):
    with pytest.raises(CommandError, match="outside"):
        ingest(cards / ".." / "elsewhere" / "private.jpg")

    assert not Asset.objects.exists()


def test_one_path_outside_refuses_the_whole_run(production, card, outside):
    with pytest.raises(CommandError, match="outside"):
        ingest(card, outside)

    assert not Asset.objects.exists()


@pytest.mark.parametrize("target", ["private.jpg", "."])
def test_a_symlink_leading_outside_the_roots_is_refused(production, card, outside, target):
    (card / "innocent").symlink_to(outside / target)

    with pytest.raises(CommandError, match="outside"):
        ingest(card)

    assert not Asset.objects.exists()


def test_a_symlink_within_the_roots_is_followed(production, cards, card):
    (cards / "alias.jpg").symlink_to(card / "STILLS" / "ref.jpg")

    ingest(cards / "alias.jpg")

    assert Asset.objects.get().original_filename == "ref.jpg"


def test_an_unknown_production_is_refused(production, card):
    with pytest.raises(CommandError, match="No production with code 'NOPE'"):
        ingest(card, production="NOPE")

    assert not Asset.objects.exists()


def test_server_ingest_is_off_without_roots(production, card, settings):
    settings.ASSET_INGEST_ROOTS = []

    with pytest.raises(CommandError, match="ASSET_INGEST_ROOTS"):
        ingest(card)

    assert not Asset.objects.exists()


def test_a_missing_path_is_refused(production, cards):
    with pytest.raises(CommandError, match="does not exist"):
        ingest(cards / "A999")


def test_one_bad_file_does_not_stop_the_others(production, card, dirs, capsys):
    (card / "EMPTY.mp4").touch()
    make_still(card / "STILLS" / "late.jpg", seed=9)

    with pytest.raises(CommandError, match="^1 of 5 file"):
        ingest(card)

    assert Asset.objects.count() == 4
    assert not Asset.objects.filter(original_filename="EMPTY.mp4").exists()
    assert f"refused {card / 'EMPTY.mp4'}: The file is empty." in capsys.readouterr().err
    assert dirs.spooled() == []


@pytest.mark.django_db(transaction=True)
def test_a_card_is_ingested_in_parallel_with_each_refusal_named(production, card, dirs, capsys):
    """Committed data (no caller's transaction): the files go through a pool of two threads."""
    (card / "EMPTY.mp4").touch()
    for seed in range(4):
        make_still(card / "STILLS" / f"extra{seed}.jpg", seed=20 + seed)

    out = io.StringIO()
    with pytest.raises(CommandError, match="^1 of 8 file"):
        call_command("ingest", str(card), production="ALPHA", no_progress=True, jobs=2, stdout=out)

    lines = out.getvalue().splitlines()
    assert Asset.objects.count() == 7
    assert sorted(line.split(":")[0] for line in lines) == sorted(
        f"ingested {name}"
        for name in ["A001C001.mp4", "board.png", "ref.jpg"] + [f"extra{s}.jpg" for s in range(4)]
    )
    assert f"refused {card / 'EMPTY.mp4'}: The file is empty." in capsys.readouterr().err
    assert len(dirs.originals()) == 7
    assert dirs.spooled() == []


def test_jobs_must_be_positive(production, card):
    with pytest.raises(CommandError, match="--jobs must be at least 1"):
        ingest(card, jobs=0)

    assert not Asset.objects.exists()
