"""The `sklearn-meta` command line."""
