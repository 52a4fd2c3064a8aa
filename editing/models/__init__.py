from editing.models.jobs import EditJob, EditJobAdapter, TrainingRun
from editing.models.registry import Adapter, ModelVersion

__all__ = ["Adapter", "EditJob", "EditJobAdapter", "ModelVersion", "TrainingRun"]
