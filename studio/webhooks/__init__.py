"""Signed webhooks: MAM systems subscribe to a production's events and receive signed POSTs.

``services`` holds the writes (subscriptions, ``webhook_emit``, ``webhook_deliver``), ``signing``
the HMAC scheme and the receiver's verification recipe, ``addresses`` the refusal of private
destinations, ``tasks`` the thin Celery task, ``receivers`` the bridge from other apps' signals.
"""
