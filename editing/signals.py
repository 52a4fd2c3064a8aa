"""Events for webhooks and notifications, sent after commit."""

from django.dispatch import Signal

# job=EditJob (succeeded, failed, denied or cancelled)
job_finished = Signal()
# run=TrainingRun
training_finished = Signal()
