package dev.grove.protocol.ostree;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;

/**
 * One entry of an in-memory tree for {@link CommitBuilder#commitTree}: a regular file (size plus a way to open its
 * content, opened up to twice), a symlink, or a directory. Parent directories that are not listed are created
 * root-less with mode 0755. Immutable value (the content opener is held as given).
 *
 * @param path          relative, {@code /}-separated, no empty, {@code .} or {@code ..} components; {@code ""} is the
 *                      root directory (to give it a mode or xattrs)
 * @param permissions   permission bits, {@code 07777} at most (the file type comes from {@code type})
 * @param uid           owner, unless the builder overrides it
 * @param gid           group, unless the builder overrides it
 * @param size          content length of a regular file; 0 otherwise
 * @param content       opens the content of a regular file; it must yield exactly {@code size} bytes and the same
 *                      bytes each time; ignored otherwise
 * @param symlinkTarget target of a symlink; {@code ""} otherwise
 */
public record TreeEntry(String path, Type type, int permissions, int uid, int gid, long size, Content content,
                        String symlinkTarget, List<Xattr> xattrs) {

    /** What an entry is. */
    public enum Type { FILE, SYMLINK, DIRECTORY }

    /** Opens a file's content; called once to checksum it and once more to compress it when it is new. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    private static final Content NONE = InputStream::nullInputStream;

    public TreeEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(symlinkTarget, "symlinkTarget");
        xattrs = Xattr.sorted(Objects.requireNonNull(xattrs, "xattrs"));
        checkPath(path);
        if ((permissions & ~07777) != 0) {
            throw invalid(path, "permissions 0" + Integer.toOctalString(permissions) + " (expected: at most 07777)");
        }
        if (size < 0 || (type != Type.FILE && size != 0)) {
            throw invalid(path, "size " + size + " (expected: >= 0, and 0 unless a regular file)");
        }
        if ((type == Type.SYMLINK) == symlinkTarget.isEmpty()) {
            throw invalid(path, "symlink target '" + symlinkTarget + "' (expected: non-empty for a symlink only)");
        }
        if (path.isEmpty() && type != Type.DIRECTORY) {
            throw invalid(path, "the root must be a directory");
        }
    }

    /** A root-owned regular file. */
    public static TreeEntry file(String path, int permissions, long size, Content content) {
        return new TreeEntry(path, Type.FILE, permissions, 0, 0, size, content, "", List.of());
    }

    /** A root-owned symlink (mode 0777, as Linux reports every symlink). */
    public static TreeEntry symlink(String path, String target) {
        return new TreeEntry(path, Type.SYMLINK, 0777, 0, 0, 0, NONE, target, List.of());
    }

    /** A root-owned directory; {@code ""} is the root. */
    public static TreeEntry directory(String path, int permissions) {
        return new TreeEntry(path, Type.DIRECTORY, permissions, 0, 0, 0, NONE, "", List.of());
    }

    public TreeEntry withXattrs(List<Xattr> newXattrs) {
        return new TreeEntry(path, type, permissions, uid, gid, size, content, symlinkTarget, newXattrs);
    }

    public TreeEntry withOwner(int newUid, int newGid) {
        return new TreeEntry(path, type, permissions, newUid, newGid, size, content, symlinkTarget, xattrs);
    }

    /** The path's components; empty for the root. */
    List<String> components() {
        return path.isEmpty() ? List.of() : List.of(path.split("/", -1));
    }

    private static void checkPath(String path) {
        if (path.isEmpty()) {
            return;
        }
        for (String c : path.split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..") || c.indexOf('\0') >= 0) {
                throw invalid(path, "path component '" + c + "' (expected: relative path, no empty, '.' or '..'"
                        + " components, no NUL)");
            }
        }
    }

    private static GroveException invalid(String path, String what) {
        return new GroveException(ErrorCode.INVALID_ARGUMENT, "tree entry '" + path + "': " + what);
    }
}
