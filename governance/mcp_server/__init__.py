"""`meshgov mcp`: the mesh for AI assistants, over the Model Context Protocol (read-only)."""
