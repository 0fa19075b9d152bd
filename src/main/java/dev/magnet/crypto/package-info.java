/**
 * Secrets Magnet makes and keeps: random tokens given out as text ({@link dev.magnet.crypto.Tokens}: API keys,
 * sign-in and relay tokens) and the box that seals secrets at rest with the server's key
 * ({@link dev.magnet.crypto.SecretBox}: integration credentials).
 */
package dev.magnet.crypto;
