from editing.services.control import edit_job_cancel, edit_job_recall
from editing.services.execute import edit_job_execute
from editing.services.registry import adapter_register, model_register
from editing.services.submit import edit_job_check, edit_job_submit

__all__ = [
    "adapter_register",
    "edit_job_cancel",
    "edit_job_check",
    "edit_job_execute",
    "edit_job_recall",
    "edit_job_submit",
    "model_register",
]
