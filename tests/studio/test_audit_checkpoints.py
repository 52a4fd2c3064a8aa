import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assets.credentials.devcert import write_dev_chain
from studio.actors import SystemActor
from studio.audit import audit_record, audit_verify, chain_for
from studio.audit_checkpoints import (
    audit_checkpoint_write,
    audit_verify_checkpoints,
    latest_checkpoint_summary,
)
from studio.beat import BEAT_SCHEDULE
from studio.tasks import audit_checkpoint
from tests.audit_tamper import rewrite_tail
from tests.factories import ProductionFactory

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers exist on PostgreSQL only"
)


def _event(production, n=0):
    return audit_record(
        actor=SystemActor("tests"),
        action="tests.thing.changed",
        production=production,
        target_type="tests.thing",
        target_id=str(n),
        after={"n": n},
    )


def _checkpoints(store):
    return sorted(store.glob("*.json"))


@pytest.fixture
def alpha(db):
    return ProductionFactory(code="ALPHA")


def test_a_checkpoint_records_each_chain_head_signed(checkpoint_store, alpha):
    last = [_event(alpha, n) for n in range(3)][-1]
    studio_event = _event(None)

    audit_checkpoint_write()

    [path] = _checkpoints(checkpoint_store)
    document = json.loads(path.read_text())
    assert document["heads"] == [
        {"chain": chain_for(alpha), "seq": 3, "hash": last.hash},
        {"chain": "studio", "seq": 1, "hash": studio_event.hash},
    ]
    assert document["alg"] == "es256"
    assert document["signature"]
    assert audit_verify_checkpoints().ok


def test_only_the_chains_that_moved_are_checkpointed_again(checkpoint_store, alpha):
    _event(alpha)
    _event(None)
    audit_checkpoint_write()

    assert audit_checkpoint_write() is None
    moved = _event(alpha, 1)
    audit_checkpoint_write()

    latest = json.loads(_checkpoints(checkpoint_store)[-1].read_text())
    assert latest["heads"] == [{"chain": chain_for(alpha), "seq": 2, "hash": moved.hash}]
    assert len(_checkpoints(checkpoint_store)) == 2


def test_the_beat_task_and_the_command_write_checkpoints(checkpoint_store, alpha):
    assert BEAT_SCHEDULE["studio-audit-checkpoint"]["task"] == "studio.audit_checkpoint"
    _event(alpha)
    assert audit_checkpoint.apply().get()
    _event(alpha, 1)

    call_command("audit_checkpoint")

    assert len(_checkpoints(checkpoint_store)) == 2


@on_postgres
def test_a_tail_rewritten_with_recomputed_hashes_is_found_by_the_checkpoints(
    checkpoint_store, alpha, capsys
):
    for n in range(5):
        _event(alpha, n)
        if n >= 2:
            audit_checkpoint_write()  # heads at seq 3, 4 and 5
    other = ProductionFactory(code="BRAVO")
    _event(other)
    audit_checkpoint_write()

    rewrite_tail(chain_for(alpha), first_seq=4)

    assert audit_verify().ok
    call_command("audit_verify")
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", checkpoints=True)
    message = str(failure.value)
    assert f"chain {chain_for(alpha)}, seq 4:" in message
    assert "matches its checkpoints up to seq 3" in message
    call_command("audit_verify", checkpoints=True, production="BRAVO")
    assert "1 checkpointed head(s) match" in capsys.readouterr().out


def test_a_checkpoint_whose_heads_were_edited_fails_its_signature(checkpoint_store, alpha):
    _event(alpha)
    audit_checkpoint_write()
    [path] = _checkpoints(checkpoint_store)
    document = json.loads(path.read_text())
    document["heads"][0]["hash"] = "f" * 64
    path.write_text(json.dumps(document))

    with pytest.raises(
        CommandError, match=rf"checkpoint {path.name}: its signature does not verify"
    ):
        call_command("audit_verify", checkpoints=True)


def test_a_checkpoint_signed_by_another_key_is_not_trusted(
    checkpoint_store, alpha, settings, tmp_path
):
    _event(alpha)
    stranger = write_dev_chain(tmp_path / "stranger")
    trusted = settings.C2PA_SIGNING_CHAIN, settings.C2PA_SIGNING_KEY
    settings.C2PA_SIGNING_CHAIN, settings.C2PA_SIGNING_KEY = (
        str(stranger.chain_pem),
        str(stranger.key_pem),
    )
    audit_checkpoint_write()
    settings.C2PA_SIGNING_CHAIN, settings.C2PA_SIGNING_KEY = trusted

    with pytest.raises(CommandError, match="a certificate this instance does not trust"):
        call_command("audit_verify", checkpoints=True)


def test_a_checkpoint_from_before_a_key_rotation_is_still_trusted(
    checkpoint_store, alpha, settings, tmp_path
):
    _event(alpha)
    audit_checkpoint_write()
    # A new key and certificate; the old checkpoint's chain still leads to a trusted anchor.
    rotated = write_dev_chain(tmp_path / "rotated")
    settings.C2PA_SIGNING_CHAIN, settings.C2PA_SIGNING_KEY = (
        str(rotated.chain_pem),
        str(rotated.key_pem),
    )
    settings.C2PA_TRUST_ANCHORS = str(checkpoint_store.parent / "pki" / "root.pem")

    report = audit_verify_checkpoints()

    assert report.ok, report.problems


def test_a_missing_checkpoint_store_is_said_plainly(checkpoint_store, alpha):
    _event(alpha)

    with pytest.raises(CommandError, match="audit checkpoint store .* does not exist"):
        call_command("audit_verify", checkpoints=True)


def test_an_empty_store_with_events_fails(checkpoint_store, alpha):
    _event(alpha)
    checkpoint_store.mkdir()

    with pytest.raises(CommandError, match="holds no checkpoint"):
        call_command("audit_verify", checkpoints=True)


def test_without_a_signing_key_no_checkpoint_is_written(checkpoint_store, alpha, settings):
    _event(alpha)
    settings.C2PA_SIGNING_KEY = str(checkpoint_store.parent / "nowhere.key")

    with pytest.raises(CommandError, match="Audit checkpoints cannot be signed"):
        call_command("audit_checkpoint")
    assert not checkpoint_store.exists()


@on_postgres
def test_the_verify_page_compares_each_chain_with_its_newest_checkpoint(checkpoint_store, alpha):
    for n in range(3):
        _event(alpha, n)
    audit_checkpoint_write()
    bravo = ProductionFactory(code="BRAVO")
    _event(bravo)
    audit_checkpoint_write()  # names BRAVO's chain only: ALPHA's did not move

    assert latest_checkpoint_summary(chains={chain_for(alpha)})["ok"] is True
    rewrite_tail(chain_for(alpha), first_seq=3)

    summary = latest_checkpoint_summary(chains={chain_for(alpha)})
    assert summary["ok"] is False
    assert summary["problems"][0].startswith(f"chain {chain_for(alpha)}, seq 3:")
    assert latest_checkpoint_summary(chains={chain_for(bravo)})["ok"] is True
    assert latest_checkpoint_summary(chains=None)["ok"] is False


def test_a_chain_no_checkpoint_names_is_not_called_intact(checkpoint_store, alpha):
    _event(alpha)
    audit_checkpoint_write()
    bravo = ProductionFactory(code="BRAVO")
    _event(bravo)

    summary = latest_checkpoint_summary(chains={chain_for(bravo)})

    assert summary["ok"] is None
    assert summary["problems"] == ["No checkpoint names these chains yet."]
