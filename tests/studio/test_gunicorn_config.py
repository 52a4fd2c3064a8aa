"""``deploy/gunicorn.conf.py``'s hooks, called as gunicorn calls them."""

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_a_worker_moves_its_startup_objects_out_of_the_collectors_sight():
    config = runpy.run_path(str(CONFIG))
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # Django, DRF and the app's modules
    finally:
        gc.unfreeze()
