package dev.grove.node.http;

/**
 * Metadata of what a route resolves to, before deciding between 200, 206, 304 and 416.
 *
 * @param etag                quoted strong entity tag, or {@code null}
 * @param lastModifiedMillis  epoch millis, or a negative value when unknown
 * @param rangeable           whether {@code Range} is honoured
 */
record Representation(String contentType, long length, String etag, long lastModifiedMillis, String cacheControl,
                      boolean rangeable) {
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    static final String REVALIDATE = "no-cache";
}
