"""The gate: may this action be done with these assets, people, model and adapters, for this
production, territory, media and date? ``evaluate(UseRequest) -> Decision``.

- ``decision``: the question (``UseRequest``) and the answer (``Decision``, with its ``Reason`` list)
- ``facts``: everything the rules need, loaded in one statement
- ``rules``: which grants apply and which consents hold, over loaded facts; no queries
- ``evaluator``: the rule order, and ``evaluate`` itself
"""

from licensing.gate.decision import RULE_VERSION, Decision, Reason, UseRequest
from licensing.gate.evaluator import evaluate, evaluate_many

__all__ = ["RULE_VERSION", "Decision", "Reason", "UseRequest", "evaluate", "evaluate_many"]
