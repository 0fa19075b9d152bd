/**
 * Outgoing webhooks: the endpoints a workspace's admins set, the deliveries written with the events they tell of,
 * the sender that signs and retries them, and their routes.
 */
package dev.magnet.webhooks;
