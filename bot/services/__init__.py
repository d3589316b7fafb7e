"""Framework-free use cases. Nothing here imports aiogram: any channel (Telegram, terminal) drives them."""
