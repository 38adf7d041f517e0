"""Voice of the customer: sentiment (VADER), the feedback loop, complaints and empathy maps."""
