"""Pure analysis functions (graph or rows in, result out); no database access here."""
