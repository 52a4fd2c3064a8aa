"""The asset's admin page as a media page, its appearance writes, the rights dry run, the upload
page and the list: what a coordinator sees, and that every write goes through an audited service."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse

from assets import services
from assets.models import Appearance, Asset, Derivation, Person
from assets.synthetic import make_still
from licensing.models import Grant, License, Party
from studio.models import AuditEvent

CHECK = "/api/v1/clearance/check"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, broker):
    """Files of these tests in their own media root; derivatives are built by the tests."""
    root, spool = tmp_path / "media", tmp_path / "spool"
    root.mkdir()
    spool.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": "/media/"},
        },
    }
    settings.ASSET_SPOOL_DIR = spool
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    return root


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> dict[str, Path]:
    from assets.synthetic import make_clip

    folder = tmp_path_factory.mktemp("footage")
    return {
        "clip": make_clip(folder / "take-12.mp4", seconds=2.0, fps=24, size=(320, 180)),
        "still": make_still(folder / "set-photo.jpg", size=(320, 180), format="JPEG"),
        "still2": make_still(folder / "set-photo-2.png", size=(320, 180), seed=3, format="PNG"),
    }


@pytest.fixture
def maya(production):
    person = Person.objects.create(name="Maya Ortiz")
    person.productions.set([production])
    return person


@pytest.fixture
def clip(coordinator, production, footage) -> Asset:
    path = footage["clip"]
    asset = services.asset_ingest(
        actor=coordinator, production=production, source=path, filename=path.name
    ).asset
    return services.asset_make_derivatives(asset_id=asset.pk)


def page(asset) -> str:
    return reverse("admin:assets_asset_change", args=[asset.pk])


def add_url(asset) -> str:
    return reverse("admin:assets_asset_appearance_add", args=[asset.pk])


def change_url(appearance) -> str:
    return reverse(
        "admin:assets_asset_appearance_change", args=[appearance.asset_id, appearance.pk]
    )


def audit(action=None):
    rows = AuditEvent.objects.order_by("id")
    return list(rows.filter(action=action) if action else rows)


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the media page -------------------------------------------------------------------------------


def test_a_clip_s_page_plays_the_proxy_with_frame_controls_and_timecode(client, coordinator, clip):
    client.force_login(coordinator)

    html = client.get(page(clip)).content.decode()

    assert f'src="{reverse("v1:asset-proxy", args=[clip.pk])}"' in html
    assert 'data-fps="24.0"' in html
    assert 'data-step="-1"' in html
    assert 'data-step="1"' in html
    assert 'class="cc-timecode"' in html
    assert "00:00:02:00" in html  # the clip's length as timecode
    assert "clearcut/player.js" in html
    for name in ("person", "start", "end", "note"):  # the row's fields belong to the row's form
        assert re.search(
            rf'<[^>]*name="new-{name}"[^>]*form="ap-new"|form="ap-new"[^>]*name="new-{name}"', html
        )
    assert re.search(r"<details class=\"cc-technical\">.*SHA-256.*" + clip.sha256, html, re.S)
    assert re.search(r"\d+(\.\d)?\sKB", html)  # the size, for people
    assert "cdn" not in html.lower()


def test_a_still_s_page_shows_the_picture(client, coordinator, production, footage):
    path = footage["still"]
    asset = services.asset_ingest(
        actor=coordinator, production=production, source=path, filename=path.name
    ).asset
    client.force_login(coordinator)

    before = client.get(page(asset)).content.decode()
    services.asset_make_derivatives(asset_id=asset.pk)
    after = client.get(page(asset)).content.decode()

    assert f'<img class="cc-image" src="{reverse("v1:asset-original", args=[asset.pk])}"' in before
    assert f'<img class="cc-image" src="{reverse("v1:asset-proxy", args=[asset.pk])}"' in after
    assert "<video" not in after


def test_the_page_links_to_the_other_desks_with_the_asset_filled_in(client, coordinator, clip):
    client.force_login(coordinator)

    html = client.get(page(clip)).content.decode().replace("&amp;", "&")

    clearance = reverse("admin:licensing_clearancerequest_add")
    assert f"{clearance}?production={clip.production_id}&assets={clip.pk}" in html
    edit = reverse("admin:editing_editjob_request")
    assert f"{edit}?asset={clip.pk}" in html
    assert reverse("admin:assets_asset_credentials", args=[clip.pk]) in html
    assert reverse("v1:asset-original", args=[clip.pk]) in html
    assert reverse("provenance", args=[clip.pk]) not in html  # legal's page, not a coordinator's


def test_legal_staff_get_the_provenance_graph_button(client, member, production, clip):
    client.force_login(member("legal", production))

    html = client.get(page(clip)).content.decode()

    assert reverse("provenance", args=[clip.pk]) in html


def test_the_prefilled_clearance_form_has_the_asset_and_production(client, coordinator, clip):
    client.force_login(coordinator)

    form = (
        client.get(
            reverse("admin:licensing_clearancerequest_add"),
            {"production": clip.production_id, "assets": clip.pk},
        )
        .context["adminform"]
        .form
    )

    assert form.initial["production"] == str(clip.production_id)
    assert form.initial["assets"] == [str(clip.pk)]


def test_parents_and_children_are_shown_with_thumbnails(
    client, coordinator, production, clip, tmp_path
):
    child = services.asset_ingest(
        actor=coordinator,
        production=production,
        source=make_still(tmp_path / "cleaned.png", size=(64, 36), seed=9, format="PNG"),
        filename="cleaned.png",
        origin="ai_output",
    ).asset
    Derivation.objects.create(
        production=production,
        output_type="asset",
        output_id=child.pk,
        input_type="asset",
        input_id=clip.pk,
        activity_type="edit_job",
        activity_id=7,
    )
    client.force_login(coordinator)

    parent_page = client.get(page(clip)).context
    child_page = client.get(page(child)).context

    assert [r.asset for r in parent_page["children"]] == [child]
    assert parent_page["parents"] == []
    assert [r.asset for r in child_page["parents"]] == [clip]
    assert child_page["parents"][0].thumbnail_url == reverse("v1:asset-thumbnail", args=[clip.pk])


def test_a_page_of_another_production_is_not_shown(client, member, other_production, clip, maya):
    client.force_login(member("coordinator", other_production))

    response = client.get(page(clip))
    write = client.post(add_url(clip), {"new-person": maya.pk})

    assert response.status_code == 302  # the admin's "not found": back to the index
    assert write.status_code == 404
    assert not Appearance.objects.exists()


# --- people in shot -------------------------------------------------------------------------------


def test_a_coordinator_adds_an_appearance_by_timecode_through_the_audited_service(
    client, coordinator, clip, maya
):
    client.force_login(coordinator)

    response = client.post(
        add_url(clip),
        {"new-person": maya.pk, "new-start": "00:00:00:12", "new-end": "1.5", "new-note": "wide"},
        follow=True,
    )

    appearance = Appearance.objects.get()
    assert (appearance.start_seconds, appearance.end_seconds) == (0.5, 1.5)
    assert (appearance.start_frame, appearance.end_frame) == (12, 36)
    (event,) = audit("assets.appearance.created")
    assert (event.actor_id, event.target_id) == (coordinator.pk, str(appearance.pk))
    assert shown_messages(response) == ["Maya Ortiz: appearance added."]
    assert "00:00:00:12" in response.content.decode()


def test_a_coordinator_changes_then_removes_an_appearance(client, coordinator, clip, maya):
    appearance = services.appearance_create(actor=coordinator, asset=clip, person=maya)
    client.force_login(coordinator)
    prefix = f"a{appearance.pk}"

    client.post(
        change_url(appearance),
        {f"{prefix}-person": maya.pk, f"{prefix}-start": "00:00:01:00", f"{prefix}-end": ""},
    )
    appearance.refresh_from_db()
    changed = (appearance.start_seconds, appearance.end_seconds, appearance.start_frame)
    client.post(change_url(appearance), {"remove": "1"})

    assert changed == (1.0, None, 24)
    assert not Appearance.objects.exists()
    actions = [e.action for e in audit() if e.action.startswith("assets.appearance")]
    assert actions == [
        "assets.appearance.created",
        "assets.appearance.updated",
        "assets.appearance.deleted",
    ]
    assert {e.actor_id for e in audit() if e.action.startswith("assets.appearance")} == {
        coordinator.pk
    }


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("00:00:01:00", "00:00:05:00", "The clip is only 2.000 s long."),
        ("00:00:03:00", "", "The clip is only 00:00:02:00 long."),
        ("00:00:01:00", "00:00:00:12", "The end comes after the start."),
        ("1:2", "", "Write the start as HH:MM:SS:FF or as seconds"),
        ("00:00:00:30", "", "Write the start as HH:MM:SS:FF"),  # 30 frames at 24 fps
    ],
)
def test_a_time_range_outside_the_clip_is_refused_and_nothing_is_saved(
    client, coordinator, clip, maya, start, end, says
):
    client.force_login(coordinator)
    events = len(audit())

    response = client.post(
        add_url(clip), {"new-person": maya.pk, "new-start": start, "new-end": end}, follow=True
    )

    (message,) = shown_messages(response)
    assert message.startswith("Appearance not saved:")
    assert says in message
    assert not Appearance.objects.exists()
    assert len(audit()) == events


def test_a_row_without_a_person_names_the_missing_field(client, coordinator, clip):
    client.force_login(coordinator)

    response = client.post(add_url(clip), {"new-start": "1"}, follow=True)

    assert shown_messages(response) == ["Appearance not saved: Person: This field is required."]


def test_someone_not_on_the_production_cannot_be_added(client, coordinator, clip, other_production):
    stranger = Person.objects.create(name="Stranger")
    stranger.productions.set([other_production])
    client.force_login(coordinator)

    response = client.post(add_url(clip), {"new-person": stranger.pk}, follow=True)

    assert "Appearance not saved" in shown_messages(response)[0]
    assert not Appearance.objects.exists()


def test_a_viewer_sees_people_but_cannot_change_them(client, member, production, clip, maya):
    services.appearance_create(actor=member("coordinator", production), asset=clip, person=maya)
    viewer = member("viewer", production)
    client.force_login(viewer)
    events = len(audit())

    html = client.get(page(clip)).content.decode()
    response = client.post(add_url(clip), {"new-person": maya.pk}, follow=True)

    assert "Maya Ortiz" in html
    assert 'id="ap-new"' not in html
    assert shown_messages(response)[0].startswith(
        "Appearance not saved: Only coordinators, integrations and legal staff of"
    )
    assert Appearance.objects.count() == 1
    assert len(audit()) == events


def test_the_appearance_views_only_take_posts(client, coordinator, clip):
    client.force_login(coordinator)

    assert client.get(add_url(clip)).status_code == 405


# --- can I use this for...? -----------------------------------------------------------------------


@pytest.fixture
def distribution_licence(production):
    stock, studio = Party.objects.create(name="StockCo"), Party.objects.create(name="Studio")
    licence = License.objects.create(
        production=production,
        reference="L-SVOD",
        title="SVOD in France",
        licensor=stock,
        licensee=studio,
        status="active",
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        coverage="production",
    )
    Grant.objects.create(
        license=licence,
        kind="permission",
        action="distribute",
        territory_include=["FR"],
        media=["svod"],
    )
    return licence


def _ask(client, asset, territory, media="svod"):
    payload = {"production": asset.production.code, "action": "distribute", "assets": [asset.pk]}
    payload |= {"territory": territory, "media": media, "at": "2027-03-15T12:00:00Z"}
    return client.post(CHECK, payload, content_type="application/json")


def test_the_rights_panel_asks_the_gate_s_dry_run_and_shows_its_vocabulary(
    client, coordinator, clip
):
    client.force_login(coordinator)

    html = client.get(page(clip)).content.decode()

    assert f'data-url="{CHECK}"' in html
    assert '<option value="distribute" selected>Distribute</option>' in html
    assert '<option value="svod" selected>SVOD</option>' in html
    assert "clearcut/rights-check.js" in html


def test_the_dry_run_answers_allowed_with_the_grant_relied_on(
    client, coordinator, clip, distribution_licence
):
    client.force_login(coordinator)  # the admin's own session: the panel needs no token

    answer = _ask(client, clip, "FR").json()

    assert answer["allowed"] is True
    assert [r["code"] for r in answer["reasons"] if not r["blocking"]] == ["grant"]
    assert "L-SVOD" in " ".join(r["message"] for r in answer["reasons"])
    assert not audit("licensing.gate.allowed")


def test_the_dry_run_answers_denied_with_what_blocks(
    client, coordinator, clip, distribution_licence
):
    client.force_login(coordinator)

    answer = _ask(client, clip, "DE").json()

    assert answer["allowed"] is False
    assert [r for r in answer["reasons"] if r["blocking"]]
    assert all(r["message"] for r in answer["reasons"])


def test_the_dry_run_refuses_a_territory_that_is_not_a_country(client, coordinator, clip):
    client.force_login(coordinator)

    response = _ask(client, clip, "EU")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["territory"]


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_thumbnail_name_badges_size_and_time_to_the_second(
    client, coordinator, clip
):
    client.force_login(coordinator)

    html = client.get(reverse("admin:assets_asset_changelist")).content.decode()

    assert reverse("v1:asset-thumbnail", args=[clip.pk]) in html
    assert f'href="{page(clip)}"' in html
    assert re.search(r"\d+(\.\d)?\sKB", html)
    time = r'<time datetime="[^"]+" class="cc-time cc-time-short" title="[^"]+">'
    assert re.search(time + r"<span>\d{4}-\d\d-\d\d</span> <span>\d\d:\d\d:\d\d UTC", html)
    assert "cc-badges" in html
    assert "origin" not in re.findall(r'<th scope="col" class="([^"]+)"', html)


# --- upload ---------------------------------------------------------------------------------------

UPLOAD = "/admin/assets/asset/upload/"


def _files(*paths):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in paths]


def _upload_form(production, *, people=(), files=()):
    return {
        "production": production.pk,
        "origin": "dailies",
        "people": [p.pk for p in people],
        "file": list(files),
    }


def test_two_stills_with_the_people_in_them_in_one_upload(
    client, coordinator, production, footage, maya
):
    client.force_login(coordinator)
    form = _upload_form(
        production, people=[maya], files=_files(footage["still"], footage["still2"])
    )

    response = client.post(UPLOAD, form, follow=True)

    assets = list(Asset.objects.order_by("original_filename"))
    assert [a.original_filename for a in assets] == ["set-photo-2.png", "set-photo.jpg"]
    assert sorted(Appearance.objects.values_list("asset__original_filename", "person__name")) == [
        ("set-photo-2.png", "Maya Ortiz"),
        ("set-photo.jpg", "Maya Ortiz"),
    ]
    actions = sorted(e.action for e in audit())
    assert actions == ["assets.appearance.created"] * 2 + ["assets.asset.ingested"] * 2
    assert {e.actor_id for e in audit()} == {coordinator.pk}
    assert response.redirect_chain[-1][0] == reverse("admin:assets_asset_changelist")
    assert shown_messages(response) == [
        "Ingested set-photo.jpg",
        "Ingested set-photo-2.png",
    ]


def test_the_page_s_script_sends_one_file_per_request_and_reads_json(
    client, coordinator, production, footage, maya
):
    client.force_login(coordinator)
    form = _upload_form(production, people=[maya], files=_files(footage["still"]))

    response = client.post(UPLOAD, form, HTTP_ACCEPT="application/json")

    (outcome,) = response.json()["files"]
    asset = Asset.objects.get()
    assert response.status_code == 200
    assert (outcome["asset"], outcome["url"], outcome["people"]) == (asset.pk, page(asset), 1)
    assert response.json()["errors"] == {"file": []}
    assert not shown_messages(client.get(reverse("admin:index")))  # the script reports, once


def test_the_one_production_a_coordinator_has_is_chosen_already(
    client, coordinator, member, production, other_production
):
    client.force_login(coordinator)
    two = member("coordinator", production)
    two.memberships.create(production=other_production, role="coordinator")

    mine = client.get(UPLOAD).context["form"]["production"].value()
    client.force_login(two)
    theirs = client.get(UPLOAD).context["form"]["production"].value()

    assert mine == production.pk
    assert theirs is None


def test_the_upload_page_is_a_styled_admin_form_with_its_script(client, coordinator, maya):
    client.force_login(coordinator)

    html = client.get(UPLOAD).content.decode()

    assert "admin/css/forms.css" in html
    assert "clearcut/upload.js" in html
    assert 'type="file" name="file" multiple' in html
    assert f'data-productions="{maya.productions.get().pk}"' in html


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_an_empty_upload_says_what_is_missing_and_saves_nothing(
    client, coordinator, production, accept
):
    client.force_login(coordinator)

    response = client.post(UPLOAD, _upload_form(production), HTTP_ACCEPT=accept)

    said = (
        response.json()["errors"]["file"]
        if accept == "application/json"
        else response.context["form"].errors["file"]
    )
    assert said == ["Choose at least one file to upload."]
    assert not Asset.objects.exists()
    assert not audit()


def test_an_empty_file_is_refused_by_name(client, coordinator, production, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator)
    empty = SimpleUploadedFile("blank.jpg", b"")

    response = client.post(UPLOAD, _upload_form(production, files=[empty]))

    assert response.context["form"].errors["file"] == ["The submitted file is empty."]
    assert not Asset.objects.exists()


def test_people_of_another_production_stop_the_upload_before_anything_is_saved(
    client, coordinator, production, other_production, footage
):
    stranger = Person.objects.create(name="Stranger")
    stranger.productions.set([other_production])
    client.force_login(coordinator)

    response = client.post(
        UPLOAD, _upload_form(production, people=[stranger], files=_files(footage["still"]))
    )

    assert response.status_code == 200
    assert "people" in response.context["form"].errors
    assert not Asset.objects.exists()
    assert not audit()


def test_a_file_that_cannot_be_ingested_is_named_and_the_others_are_kept_whole(
    client, coordinator, production, footage, maya
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator)
    notes = SimpleUploadedFile("notes.txt", b"not footage at all")
    files = [*_files(footage["still"]), notes]

    response = client.post(UPLOAD, _upload_form(production, people=[maya], files=files))

    (error,) = response.context["form"].errors["file"]
    assert error.startswith("notes.txt: Unsupported file type")
    assert list(Asset.objects.values_list("original_filename", flat=True)) == ["set-photo.jpg"]
    assert Appearance.objects.get().asset.original_filename == "set-photo.jpg"
    assert shown_messages(response) == ["Ingested set-photo.jpg"]
