"""traffic: see ARCHITECTURE.md."""
