"""HTTP API: entities, relationships, prepared queries and graph views, with roles and an access log."""
