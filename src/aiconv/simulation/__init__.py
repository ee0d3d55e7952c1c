"""The test bench: simulated customers with personas, intents and goals talk to the agent under
test; outcomes are decided by evaluators or arbitration; batches run scenario matrices; reports
say how often and why the agent succeeds.

It sits above ``platform`` (uses the conductor, sessions and the log through their ports) and
below ``cli``; it never reads the environment or settings.
"""

from aiconv.simulation.arbitration import Arbitration, OutcomeReferee
from aiconv.simulation.batch import BatchRunner
from aiconv.simulation.channel import HttpAgentProvider
from aiconv.simulation.evaluators import Evaluator, OutcomeRule, RuleEvaluator
from aiconv.simulation.intents import Goal, Intent
from aiconv.simulation.judge import LlmJudge
from aiconv.simulation.outcomes import Judgement, Outcome, OutcomeSchema
from aiconv.simulation.personas import BUILTIN, ELDERLY, FRUSTRATED, HURRIED, TYPICAL, Persona
from aiconv.simulation.scenario import Scenario, load_personas, load_scenario
from aiconv.simulation.tally import Tally
from aiconv.simulation.timing import Pace, SimulatedTime

__all__ = [
    "BUILTIN",
    "ELDERLY",
    "FRUSTRATED",
    "HURRIED",
    "TYPICAL",
    "Arbitration",
    "BatchRunner",
    "Evaluator",
    "Goal",
    "HttpAgentProvider",
    "Intent",
    "Judgement",
    "LlmJudge",
    "Outcome",
    "OutcomeReferee",
    "OutcomeRule",
    "OutcomeSchema",
    "Pace",
    "Persona",
    "RuleEvaluator",
    "Scenario",
    "SimulatedTime",
    "Tally",
    "load_personas",
    "load_scenario",
]
