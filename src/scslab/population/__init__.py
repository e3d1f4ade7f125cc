"""Synthetic populations: persons, households, organisations, their ids and contact graphs.

Everything is synthetic (facts sheet preamble): ids follow the GB 11643 / GB 32100 layouts
with valid check characters but identify nobody.
"""

from .ids import citizen_id_valid, citizen_ids, citizen_ids_valid, credit_code_valid, credit_codes, credit_codes_valid
from .network import Csr, from_groups, neighbor_mean, random_friends
from .synth import BlockPlan, SyntheticPopulation, cross_block_pairs, plan_blocks, synthesize

__all__ = [
    "BlockPlan",
    "Csr",
    "SyntheticPopulation",
    "citizen_id_valid",
    "citizen_ids",
    "citizen_ids_valid",
    "credit_code_valid",
    "credit_codes",
    "credit_codes_valid",
    "cross_block_pairs",
    "from_groups",
    "neighbor_mean",
    "plan_blocks",
    "random_friends",
    "synthesize",
]
