"""A plausible demo district for trying the bot (``hazardbot demo``): ``district.build_demo`` makes people, plans,
inspections and a few hundred hazards in every state through the services over simulated past months."""
