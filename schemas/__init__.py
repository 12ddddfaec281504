"""pandera contracts of the extracts that land, one module per extract kind (`contracts.py` lists
them), and the policy values every layer reads (`policy.py`). Nothing is imported here, so that
reading a policy value does not import pandera: `sinstats run` checks its arguments, and starts dbt,
before anything heavy is loaded."""
