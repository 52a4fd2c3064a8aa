"""Events other parts of Clearcut hook into (webhooks): sent after the change commits."""

from django.dispatch import Signal

# asset=Asset (a newly recorded asset; not sent when an upload matched an existing one)
asset_ingested = Signal()
