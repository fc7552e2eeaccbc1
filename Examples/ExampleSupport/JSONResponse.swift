public import Hummingbird
public import JOSE

/// JSON answers built with the JOSE writer (members in the order written).
public enum JSONResponse {
    public static func make(_ status: HTTPResponse.Status = .ok, _ object: JSONObject, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(object))))
    }
}
