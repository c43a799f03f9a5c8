"""Model code shared by both services: the sentence embedder, the classification head and the
token decoder used for streamed generation."""
