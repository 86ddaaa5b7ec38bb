"""Business rules: plain functions over models. No request, no flash, no commit."""
