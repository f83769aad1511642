"""The model: plain records and the vocabulary every layer shares; no I/O, no database.

`records` holds what descriptors and collectors produce, `evidence` what facts are built
from, `results` what the engine concludes, and `vocabulary` every closed set of words.
"""
