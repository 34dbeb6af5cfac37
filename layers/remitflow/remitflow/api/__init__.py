"""The billers' HTTP API, one Powertools router per resource; WorklistApi's handler includes them all.

Each router module owns its routes and nothing else: the services do the work, `errors` turns domain
errors into answers, `identity` reads who is calling from the verified token.
"""
