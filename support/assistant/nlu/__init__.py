"""Language and intent detection: text normalisation, rules, the trained model, evaluation.

The public entry points are ``support.assistant.intents.detect_intent`` and
``support.assistant.language.detect_language``; docs/assistant.md describes the whole.
"""
