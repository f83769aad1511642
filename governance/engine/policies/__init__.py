"""Policies as code: YAML files of CEL expressions over the facts, loaded and evaluated.

`load` reads and compiles a pack (refusing a broken file or policy with the reason),
`evaluate` judges every product against it, and `sandbox` bounds what an expression may
call and how long it may run. The names callers use are re-exported here.
"""

from __future__ import annotations

from governance.engine.policies.evaluate import applies as applies
from governance.engine.policies.evaluate import evaluate_mesh as evaluate_mesh
from governance.engine.policies.evaluate import evaluate_product as evaluate_product
from governance.engine.policies.evaluate import policy_rows as policy_rows
from governance.engine.policies.load import DEFAULT_POLICY_RULES as DEFAULT_POLICY_RULES
from governance.engine.policies.load import Policy as Policy
from governance.engine.policies.load import PolicyPack as PolicyPack
from governance.engine.policies.load import PolicyRefusal as PolicyRefusal
from governance.engine.policies.load import load_file as load_file
from governance.engine.policies.load import load_pack as load_pack
from governance.engine.policies.load import policy_files as policy_files
