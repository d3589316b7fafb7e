"""Reminders that keep the campaign on schedule (方案 四, 五(一)(二)(五)): rules decide what is due,
the outbox stores it once, the sender delivers it within Telegram's limits."""
