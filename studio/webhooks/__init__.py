"""Signed webhooks: MAM systems subscribe to a production's events and receive signed POSTs.

``services`` holds the writes (subscriptions, recording deliveries, ``webhook_deliver``), ``signing``
the HMAC scheme and the receiver's verification recipe, ``addresses`` the refusal of private
destinations, ``tasks`` the thin Celery task. Apps emit events through ``studio.events``.
"""
