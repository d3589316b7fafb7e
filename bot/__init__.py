"""hazardbot: the Chaoyang urban safety hazard campaign on Telegram."""
