package dev.magnet.gateway;

/**
 * One model request the relay forwarded, as the model API reported it.
 *
 * @param model            the model that answered (from the answer, else as requested)
 * @param inputTokens      input tokens not read from or written to the prompt cache
 * @param outputTokens     output tokens
 * @param cacheWriteTokens input tokens written to the prompt cache
 * @param cacheReadTokens  input tokens read from the prompt cache
 */
public record ModelCall(String model, long inputTokens, long outputTokens, long cacheWriteTokens, long cacheReadTokens) {
}
