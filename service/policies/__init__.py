"""Policy corpus, index and retrieval: load and chunk policies, embed them, search them.

Entry points: `corpus.load_corpus`, `retrieve.build_retriever` and `Retriever.search`;
`embedding.get_embedder` is shared with evidence matching. Nothing loads at import time.
"""
