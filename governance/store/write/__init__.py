"""Writes: evidence, the registry, judgements, the board's workflow, the collector log, pruning."""
