"""Foundation: settings, the Neo4j server the project starts, the driver, and the one schema."""
