"""Retention: acquisition cohorts and survival (Kaplan-Meier, log-rank)."""
