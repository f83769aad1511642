"""The engine: pure judgement, facts in and results out (SLOs, policies, scores, roles, review).

Nothing here reads or writes the store or shows a page; tests/test_architecture.py checks it.
"""
