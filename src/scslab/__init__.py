"""scslab."""
