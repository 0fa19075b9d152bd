/**
 * The server's JSON: {@link dev.magnet.json.Json} holds the one Jackson mapper every part of the server uses and the
 * null-safe readers for input Magnet does not control (the agent's output, webhooks). The command-line client keeps
 * its own small mapper ({@code cli.ClientJson}) so that it shares no code with the server.
 */
package dev.magnet.json;
