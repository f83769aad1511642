"""The schema: SQLAlchemy tables of the evidence, the engine's judgements and the board."""
