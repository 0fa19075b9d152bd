/**
 * The HTTP edge: {@link dev.magnet.web.RouteTable}, the one list of routes every feature registers into (with which
 * ones need no credentials); {@link dev.magnet.web.WebServer}, which serves it; the exceptions a handler or service
 * throws to answer 400, 401, 403, 404, 409 or 429, turned into problem+json ({@link dev.magnet.web.Problem}) in one
 * place; request helpers ({@link dev.magnet.web.Requests}); the API description and the web UI's files.
 */
package dev.magnet.web;
