"""Query definitions: each module registers its ``QueryDef``s (discovered by the registry)."""
