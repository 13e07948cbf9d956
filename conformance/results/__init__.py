"""results: see ARCHITECTURE.md."""
