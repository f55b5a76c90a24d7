package olympus.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * JSON form of {@link WireEvent}s: one flat object, {@code "type"} plus the record's components
 * under their own names, instants as ISO-8601 UTC strings, null fields left out. Unknown fields
 * are ignored so a producer may add optional fields within a schema version.
 *
 * <p>The mapping is read off the records themselves, so a field cannot be forgotten here, and
 * every field rule lives in the record constructors, so Java code and the wire agree. Immutable
 * and thread-safe.
 */
public final class EventCodec {
    public static final int SCHEMA_VERSION = 1;
    /** Default payload limit: generous for these events, small enough to bound parsing work. */
    public static final int MAX_BYTES = 8192;

    private static final Map<String, Class<? extends WireEvent>> TYPES = Arrays
            .stream(WireEvent.class.getPermittedSubclasses())
            .map(EventCodec::asEventType)
            .collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity()));

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            // Trailing bytes and repeated keys make a payload ambiguous; in a revocation that is
            // a way to slip one reading past one consumer and another past the next.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * Per record class, what encode and decode need, looked up once: reflection per event
     * (getRecordComponents, constructor lookup) was the apply thread's main cost.
     */
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return new Shape(type);
        }
    };

    /** A record type's components, their accessors and its canonical constructor. */
    private static final class Shape {
        final RecordComponent[] components;
        final String[] names;
        final Class<?>[] types;
        final Method[] accessors;
        final Constructor<?> canonical;
        final ReflectiveOperationException constructorFailure;

        Shape(Class<?> type) {
            RecordComponent[] cs = type.getRecordComponents();
            if (cs == null) {
                throw new IllegalArgumentException(type + " is not a record");
            }
            components = cs;
            names = new String[cs.length];
            types = new Class<?>[cs.length];
            accessors = new Method[cs.length];
            for (int i = 0; i < cs.length; i++) {
                names[i] = cs[i].getName();
                types[i] = cs[i].getType();
                accessors[i] = cs[i].getAccessor();
            }
            Constructor<?> c = null;
            ReflectiveOperationException failure = null;
            try {
                c = type.getDeclaredConstructor(types);
            } catch (NoSuchMethodException e) {
                failure = e;
            }
            canonical = c;
            constructorFailure = failure;
        }
    }

    private final int maxBytes;

    public EventCodec() {
        this(MAX_BYTES);
    }

    public EventCodec(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** A fresh event id. Random, so two regions can never mint the same one. */
    public static String newEventId() {
        return UUID.randomUUID().toString();
    }

    /** Refuses (TOO_LARGE) an event whose encoding would be refused by a decoder with the same limit. */
    public byte[] encode(WireEvent event) {
        Objects.requireNonNull(event, "event");
        Shape shape = SHAPES.get(event.getClass());
        // Streamed, not built as a tree first: the same bytes, and the lag-monitor encodes one
        // event per sample (a tree per event was ~15% of its sampling cycle's CPU).
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", event.type());
            for (int i = 0; i < shape.components.length; i++) {
                Object value = read(shape, i, event);
                if (value == null) {
                    continue;
                }
                String name = shape.names[i];
                if (value instanceof String str) {
                    g.writeStringField(name, str);
                } else if (value instanceof Instant t) {
                    g.writeStringField(name, t.toString());
                } else if (value instanceof Integer n) {
                    g.writeNumberField(name, n);
                } else if (value instanceof Long n) {
                    g.writeNumberField(name, n);
                } else if (value instanceof Double n) {
                    g.writeNumberField(name, n);
                } else if (value instanceof Boolean b) {
                    g.writeBooleanField(name, b);
                } else {
                    throw new IllegalStateException("no wire form for " + shape.components[i]);
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON to memory", e);
        }
        byte[] bytes = out.toByteArray();
        checkSize(bytes.length);
        return bytes;
    }

    public WireEvent decode(byte[] bytes) {
        return decode(bytes, WireEvent.class);
    }

    public <T extends WireEvent> T decode(byte[] bytes, Class<T> expected) {
        Objects.requireNonNull(bytes, "bytes");
        checkSize(bytes.length);
        JsonNode root = parse(bytes);
        if (!root.isObject()) {
            throw new WireException(Rejection.NOT_AN_OBJECT, null,
                    "payload is a JSON " + kind(root) + ", not an object");
        }
        // Version before type: a type added by a later version should read as "newer version",
        // not as garbage.
        checkVersion(root.get("schemaVersion"));
        Class<? extends WireEvent> type = typeOf(root.get("type"));
        if (!expected.isAssignableFrom(type)) {
            throw new WireException(Rejection.TYPE_MISMATCH, "type",
                    "field 'type' is " + type.getSimpleName() + ", expected " + expected.getSimpleName());
        }
        return expected.cast(build(type, root));
    }

    private void checkSize(int length) {
        if (length > maxBytes) {
            throw new WireException(Rejection.TOO_LARGE, null,
                    "payload is " + length + " bytes, over the " + maxBytes + "-byte limit");
        }
    }

    private static JsonNode parse(byte[] bytes) {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (IOException e) {
            // Jackson's message quotes the input and spans lines: keep the first line, made safe.
            String detail = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new WireException(Rejection.MALFORMED_JSON, null,
                    "payload is not valid JSON: " + Check.clean(detail, 160));
        }
        if (root == null || root.isMissingNode()) {
            throw new WireException(Rejection.MALFORMED_JSON, null, "payload is empty");
        }
        return root;
    }

    private static void checkVersion(JsonNode v) {
        if (v == null || v.isNull()) {
            throw WireException.missing("schemaVersion");
        }
        if (!v.isIntegralNumber()) {
            throw new WireException(Rejection.UNSUPPORTED_VERSION, "schemaVersion",
                    "field 'schemaVersion' must be a JSON integer, got " + kind(v) + " " + shorten(v));
        }
        if (!v.isInt()) {
            throw Check.unsupportedVersion(v.asText());
        }
        Check.version(v.intValue());
    }

    private static Class<? extends WireEvent> typeOf(JsonNode t) {
        if (t == null || t.isNull()) {
            throw WireException.missing("type");
        }
        if (!t.isTextual()) {
            throw WireException.invalid("type", "must be a JSON string, got " + kind(t));
        }
        Class<? extends WireEvent> type = TYPES.get(t.textValue());
        if (type == null) {
            throw new WireException(Rejection.UNKNOWN_TYPE, "type", "field 'type' is "
                    + Check.quote(t.textValue()) + ", not a known event type " + TYPES.keySet().stream().sorted().toList());
        }
        return type;
    }

    private static WireEvent build(Class<? extends WireEvent> type, JsonNode root) {
        Shape shape = SHAPES.get(type);
        RecordComponent[] components = shape.components;
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            args[i] = value(components[i], shape.names[i], shape.types[i], root.get(shape.names[i]));
        }
        try {
            if (shape.canonical == null) {
                throw shape.constructorFailure;
            }
            return type.cast(shape.canonical.newInstance(args));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof WireException w) {
                throw w;
            }
            throw new IllegalStateException("constructor of " + type.getSimpleName() + " failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
        }
    }

    /** A JSON value as the component's Java type; null when absent (the constructor decides if that is allowed). */
    private static Object value(RecordComponent c, String field, Class<?> t, JsonNode v) {
        if (v == null || v.isNull()) {
            if (t.isPrimitive()) {
                throw WireException.missing(field);
            }
            return null;
        }
        if (t == String.class) {
            return expect(field, v, v.isTextual(), "a JSON string").textValue();
        }
        if (t == Instant.class) {
            String s = expect(field, v, v.isTextual(), "an ISO-8601 instant string").textValue();
            try {
                return parseInstant(s);
            } catch (DateTimeParseException e) {
                throw WireException.invalid(field, "is not an ISO-8601 instant: " + Check.quote(s));
            }
        }
        if (t == int.class || t == Integer.class) {
            return expect(field, v, v.isInt(), "a JSON integer").intValue();
        }
        if (t == long.class || t == Long.class) {
            return expect(field, v, v.isIntegralNumber() && v.canConvertToLong(), "a JSON integer").longValue();
        }
        if (t == double.class || t == Double.class) {
            return expect(field, v, v.isNumber(), "a JSON number").doubleValue();
        }
        if (t == boolean.class || t == Boolean.class) {
            return expect(field, v, v.isBoolean(), "true or false").booleanValue();
        }
        throw new IllegalStateException("no wire form for " + c);
    }

    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
            1_000_000_000};

    /**
     * {@link Instant#parse} for the form {@link Instant#toString} writes ({@code 2026-11-28T07:19:19.668Z},
     * 0 to 9 fraction digits), without the formatter machinery: it was a tenth of the apply path's
     * CPU (three instants per event). Anything else, including every invalid input, goes to
     * {@link Instant#parse}, so what is accepted and how it is refused does not change.
     */
    static Instant parseInstant(String s) {
        int n = s.length();
        if (n >= 20 && n <= 30 && s.charAt(4) == '-' && s.charAt(7) == '-' && s.charAt(10) == 'T' && s.charAt(13) == ':'
                && s.charAt(16) == ':' && s.charAt(n - 1) == 'Z' && (n == 20 || (n > 21 && s.charAt(19) == '.'))) {
            int y = digits(s, 0, 4);
            int mo = digits(s, 5, 2);
            int d = digits(s, 8, 2);
            int h = digits(s, 11, 2);
            int mi = digits(s, 14, 2);
            int se = digits(s, 17, 2);
            int fraction = n - 21;
            int nano = fraction > 0 ? digits(s, 20, fraction) : 0;
            if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0
                    && se <= 59 && nano >= 0) {
                long day;
                try {
                    day = java.time.LocalDate.of(y, mo, d).toEpochDay();
                } catch (java.time.DateTimeException e) {
                    return Instant.parse(s); // 31 April and the like: refused the usual way
                }
                return Instant.ofEpochSecond(day * 86_400 + h * 3_600L + mi * 60L + se,
                        fraction > 0 ? (long) nano * POW10[9 - fraction] : 0);
            }
        }
        return Instant.parse(s);
    }

    /** The decimal value of s[from, from+len), or -1 if any of it is not an ASCII digit. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static JsonNode expect(String field, JsonNode v, boolean ok, String what) {
        if (!ok) {
            throw WireException.invalid(field, "must be " + what + ", got " + kind(v) + " " + shorten(v));
        }
        return v;
    }

    private static String kind(JsonNode v) {
        JsonNodeType t = v.getNodeType();
        return t == JsonNodeType.POJO || t == JsonNodeType.BINARY ? "value" : t.name().toLowerCase(Locale.ROOT);
    }

    private static String shorten(JsonNode v) {
        return Check.quote(v.toString());
    }

    private static Object read(Shape shape, int i, WireEvent event) {
        try {
            return shape.accessors[i].invoke(event);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + shape.components[i], e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends WireEvent> asEventType(Class<?> c) {
        return (Class<? extends WireEvent>) c;
    }
}
