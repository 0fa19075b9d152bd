/**
 * Where Magnet may connect on behalf of users: {@link dev.magnet.net.AddressPolicy} refuses URLs given by users that
 * point at loopback, link-local or private addresses unless the operator allows them.
 */
package dev.magnet.net;
