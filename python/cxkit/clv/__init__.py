"""Customer lifetime value: RFM summaries, buy-till-you-die models and Gamma-Gamma spend (work in progress)."""
