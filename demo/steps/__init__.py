"""The demo's steps, one module per capability, in the order ``demo.scenario.STEPS`` runs them."""
