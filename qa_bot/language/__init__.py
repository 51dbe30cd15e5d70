"""Language: parsing sentences and questions into frames and intents (spaCy, pint, dateparser)."""
