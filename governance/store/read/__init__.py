"""Read models: queries that return plain records for the engine, the service and the pages."""
