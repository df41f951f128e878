"""Letters of medical necessity: request, readiness check, provider-voice letter, appeal attach."""
